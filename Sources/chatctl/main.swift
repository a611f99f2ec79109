import ChatCore
print("x")
