"""Browser pages for partners: one `RecordPages` per resource (list, detail, forms, archive, CSV)."""

from __future__ import annotations

from django.urls import reverse

from apps.records.pages import Column, RecordPages, Section

from . import selectors, services
from .forms import CarrierForm, ContactForm, CustomerForm, LocationForm, PlantForm, SupplierForm
from .models import Carrier, Contact, Customer, Location, Plant, Supplier

ADDRESS = Column("address_line", "Address")
PLANT_COLUMNS = [Column("code", "Code", link=True), Column("name", "Name"), Column("establishment_number", "EST. no.")]
CONTACT_COLUMNS = [
    Column("name", "Name", link=True),
    Column("title", "Title"),
    Column("email", "E-mail"),
    Column("phone", "Phone"),
]
LOCATION_COLUMNS = [Column("code", "Code", link=True), Column("name", "Name"), Column("kind", "Kind"), ADDRESS]


def _section(title: str, records, columns, name: str, add_param: str, partner) -> Section:
    return Section(
        title=title,
        columns=columns,
        records=list(records.filter(is_archived=False)),
        detail_url_name=f"{name}-detail",
        add_url=f"{reverse(f'{name}-create')}?{add_param}={partner.pk}",
    )


class SupplierPages(RecordPages):
    model = Supplier
    form_class = SupplierForm
    filterset_class = selectors.SupplierFilter
    url_prefix, name = "suppliers", "supplier"
    list_selector = staticmethod(selectors.supplier_list)
    get_for_user = staticmethod(selectors.get_supplier_for_user)
    create_service = staticmethod(services.supplier_create)
    update_service = staticmethod(services.supplier_update)
    archive_service = staticmethod(services.supplier_archive)
    csv_columns = SupplierForm.Meta.fields
    columns = [
        Column("code", "Code", sort="code", link=True),
        Column("name", "Name", sort="name"),
        Column("city", "City", sort="city"),
        Column("state", "State"),
        Column("payment_terms", "Terms"),
    ]
    detail_fields = [
        Column("code", "Code"),
        Column("name", "Name"),
        Column("email", "E-mail"),
        Column("phone", "Phone"),
        Column("payment_terms", "Payment terms"),
        ADDRESS,
        Column("country", "Country"),
        Column("notes", "Notes"),
    ]

    def related(self, record: Supplier) -> list[Section]:
        return [
            _section("Plants", record.plants, PLANT_COLUMNS, "plant", "supplier", record),
            _section("Contacts", record.contacts, CONTACT_COLUMNS, "contact", "supplier", record),
            _section("Locations", record.locations, LOCATION_COLUMNS, "location", "supplier", record),
        ]


class CustomerPages(RecordPages):
    model = Customer
    form_class = CustomerForm
    filterset_class = selectors.CustomerFilter
    url_prefix, name = "customers", "customer"
    list_selector = staticmethod(selectors.customer_list)
    get_for_user = staticmethod(selectors.get_customer_for_user)
    create_service = staticmethod(services.customer_create)
    update_service = staticmethod(services.customer_update)
    archive_service = staticmethod(services.customer_archive)
    csv_columns = CustomerForm.Meta.fields
    columns = [
        Column("code", "Code", sort="code", link=True),
        Column("name", "Name", sort="name"),
        Column("city", "City", sort="city"),
        Column("payment_terms", "Terms"),
        Column("credit_limit", "Credit limit", sort="credit_limit"),
        Column("status", "Status"),
    ]
    detail_fields = [
        Column("code", "Code"),
        Column("name", "Name"),
        Column("status", "Status"),
        Column("payment_terms", "Payment terms"),
        Column("credit_limit", "Credit limit"),
        Column("email", "E-mail"),
        Column("phone", "Phone"),
        ADDRESS,
        Column("country", "Country"),
        Column("notes", "Notes"),
    ]

    def related(self, record: Customer) -> list[Section]:
        return [
            _section("Locations", record.locations, LOCATION_COLUMNS, "location", "customer", record),
            _section("Contacts", record.contacts, CONTACT_COLUMNS, "contact", "customer", record),
        ]


class PlantPages(RecordPages):
    model = Plant
    form_class = PlantForm
    filterset_class = selectors.PlantFilter
    url_prefix, name = "plants", "plant"
    list_selector = staticmethod(selectors.plant_list)
    get_for_user = staticmethod(selectors.get_plant_for_user)
    create_service = staticmethod(services.plant_create)
    update_service = staticmethod(services.plant_update)
    archive_service = staticmethod(services.plant_archive)
    columns = [
        Column("code", "Code", sort="code", link=True),
        Column("name", "Name", sort="name"),
        Column("establishment_number", "EST. no.", sort="establishment_number"),
        Column("supplier.name", "Supplier", sort="supplier__name"),
        Column("city", "City"),
    ]
    detail_fields = [
        Column("code", "Code"),
        Column("name", "Name"),
        Column("establishment_number", "USDA establishment number"),
        Column("supplier", "Supplier"),
        ADDRESS,
        Column("country", "Country"),
    ]


class CarrierPages(RecordPages):
    model = Carrier
    form_class = CarrierForm
    filterset_class = selectors.CarrierFilter
    url_prefix, name = "carriers", "carrier"
    list_selector = staticmethod(selectors.carrier_list)
    get_for_user = staticmethod(selectors.get_carrier_for_user)
    create_service = staticmethod(services.carrier_create)
    update_service = staticmethod(services.carrier_update)
    archive_service = staticmethod(services.carrier_archive)
    columns = [
        Column("code", "Code", sort="code", link=True),
        Column("name", "Name", sort="name"),
        Column("mc_number", "MC"),
        Column("dot_number", "DOT"),
        Column("insurance_expires_on", "Insurance expiry", sort="insurance_expires_on"),
        Column("insurance_status", "Insurance"),
    ]
    detail_fields = [
        Column("code", "Code"),
        Column("name", "Name"),
        Column("mc_number", "MC number"),
        Column("dot_number", "DOT number"),
        Column("insurance_expires_on", "Insurance expiry"),
        Column("insurance_status", "Insurance"),
        Column("email", "E-mail"),
        Column("phone", "Phone"),
        ADDRESS,
    ]

    def warnings(self, record: Carrier) -> list[str]:
        status = record.insurance_status()
        if status == "expired":
            return [f"Insurance expired on {record.insurance_expires_on:%Y-%m-%d}. Do not tender loads."]
        if status == "expires_soon":
            return [f"Insurance expires soon ({record.insurance_expires_on:%Y-%m-%d})."]
        return []

    def related(self, record: Carrier) -> list[Section]:
        return [_section("Contacts", record.contacts, CONTACT_COLUMNS, "contact", "carrier", record)]


class ContactPages(RecordPages):
    model = Contact
    form_class = ContactForm
    filterset_class = selectors.ContactFilter
    url_prefix, name = "contacts", "contact"
    list_selector = staticmethod(selectors.contact_list)
    get_for_user = staticmethod(selectors.get_contact_for_user)
    create_service = staticmethod(services.contact_create)
    update_service = staticmethod(services.contact_update)
    archive_service = staticmethod(services.contact_archive)
    columns = [
        Column("name", "Name", sort="name", link=True),
        Column("title", "Title"),
        Column("partner", "Company"),
        Column("email", "E-mail", sort="email"),
        Column("phone", "Phone"),
    ]
    detail_fields = [
        Column("name", "Name"),
        Column("title", "Title"),
        Column("partner", "Company"),
        Column("email", "E-mail"),
        Column("phone", "Phone"),
    ]


class LocationPages(RecordPages):
    model = Location
    form_class = LocationForm
    filterset_class = selectors.LocationFilter
    url_prefix, name = "locations", "location"
    list_selector = staticmethod(selectors.location_list)
    get_for_user = staticmethod(selectors.get_location_for_user)
    create_service = staticmethod(services.location_create)
    update_service = staticmethod(services.location_update)
    archive_service = staticmethod(services.location_archive)
    columns = [
        Column("code", "Code", sort="code", link=True),
        Column("name", "Name", sort="name"),
        Column("kind", "Kind", sort="kind"),
        Column("partner", "Belongs to"),
        Column("city", "City", sort="city"),
    ]
    detail_fields = [
        Column("code", "Code"),
        Column("name", "Name"),
        Column("kind", "Kind"),
        Column("partner", "Belongs to"),
        ADDRESS,
        Column("country", "Country"),
        Column("receiving_hours", "Receiving hours"),
    ]
