"""Shared machinery for business records (partners, products and every module after them).

Not a Django app and without tables: an abstract base model, generic service/selector helpers that apply
the permission layer and the audit log, a page-set class (list/detail/form/archive/CSV pages), an API base
viewset and CSV import/export helpers. Business apps subclass these and stay short.
"""
