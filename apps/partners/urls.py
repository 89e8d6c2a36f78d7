"""Partner pages: /suppliers/, /customers/, /plants/, /carriers/, /contacts/, /locations/."""

from .views import CarrierPages, ContactPages, CustomerPages, LocationPages, PlantPages, SupplierPages

urlpatterns = [
    *SupplierPages().urls(),
    *CustomerPages().urls(),
    *PlantPages().urls(),
    *CarrierPages().urls(),
    *ContactPages().urls(),
    *LocationPages().urls(),
]
