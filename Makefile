.PHONY: placeholder
placeholder:
	@true
