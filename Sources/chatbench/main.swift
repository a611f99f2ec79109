import NIOCore
print(1)
