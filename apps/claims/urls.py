"""Claim pages under /claims/."""

from .views import ClaimPages

urlpatterns = ClaimPages().urls()
