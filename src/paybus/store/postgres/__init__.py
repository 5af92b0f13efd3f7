"""The scale-out engine: PostgreSQL through psycopg 3 with a connection pool."""
