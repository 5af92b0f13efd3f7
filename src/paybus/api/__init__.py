"""The ASGI application: thin routes that parse, call the runtime and serialize."""
