"""The SQL database: tables, sessions, reference-data queries and the account services."""
