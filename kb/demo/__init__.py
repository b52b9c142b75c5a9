"""The bundled demo casebook: a static multilingual site and the server that serves it."""
