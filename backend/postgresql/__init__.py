"""Database engine `backend.postgresql`: django-tenants' backend made safe behind a transaction pooler."""
