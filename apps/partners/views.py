"""Browser pages for partners: one `RecordPages` per resource (list, detail, forms, archive, CSV)."""

from __future__ import annotations

from django.urls import reverse

from apps.compliance.pages import compliance_section
from apps.records.pages import Column, RecordPages, Section

from .models import Carrier, Customer, Supplier
from .resources import CARRIERS, CONTACTS, CUSTOMERS, LOCATIONS, PLANTS, SUPPLIERS

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
    resource = SUPPLIERS
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

    def links(self, record: Supplier) -> list[tuple[str, str]]:
        return [("Account", reverse("supplier-account", args=[record.pk]))]

    def related(self, record: Supplier) -> list[Section]:
        return [
            _section("Plants", record.plants, PLANT_COLUMNS, "plant", "supplier", record),
            _section("Contacts", record.contacts, CONTACT_COLUMNS, "contact", "supplier", record),
            _section("Locations", record.locations, LOCATION_COLUMNS, "location", "supplier", record),
            compliance_section(record),
        ]


class CustomerPages(RecordPages):
    resource = CUSTOMERS
    columns = [
        Column("code", "Code", sort="code", link=True),
        Column("name", "Name", sort="name"),
        Column("city", "City", sort="city"),
        Column("payment_terms", "Terms"),
        Column("credit_limit", "Credit limit", sort="credit_limit", kind="money"),
        Column("status", "Status"),
    ]
    detail_fields = [
        Column("code", "Code"),
        Column("name", "Name"),
        Column("status", "Status"),
        Column("payment_terms", "Payment terms"),
        Column("credit_limit", "Credit limit", kind="money"),
        Column("email", "E-mail"),
        Column("phone", "Phone"),
        ADDRESS,
        Column("country", "Country"),
        Column("notes", "Notes"),
    ]

    def links(self, record: Customer) -> list[tuple[str, str]]:
        return [("Account & statement", reverse("customer-account", args=[record.pk]))]

    def related(self, record: Customer) -> list[Section]:
        return [
            _section("Locations", record.locations, LOCATION_COLUMNS, "location", "customer", record),
            _section("Contacts", record.contacts, CONTACT_COLUMNS, "contact", "customer", record),
        ]


class PlantPages(RecordPages):
    resource = PLANTS
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

    def related(self, record) -> list[Section]:
        return [compliance_section(record)]


class CarrierPages(RecordPages):
    resource = CARRIERS
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
        return [
            _section("Contacts", record.contacts, CONTACT_COLUMNS, "contact", "carrier", record),
            compliance_section(record),
        ]


class ContactPages(RecordPages):
    resource = CONTACTS
    columns = [
        Column("name", "Name", sort="name", link=True),
        Column("title", "Title"),
        Column("partner", "Company"),
        Column("email", "E-mail"),
        Column("phone", "Phone"),
    ]
    detail_fields = [
        Column("name", "Name"),
        Column("title", "Title"),
        Column("partner", "Company"),
        Column("email", "E-mail"),
        Column("phone", "Phone"),
    ]

    def links(self, record) -> list[tuple[str, str]]:
        return [("Personal data", f"/privacy/contacts/{record.pk}/")]  # export/erase (admins; issue 16)


class LocationPages(RecordPages):
    resource = LOCATIONS
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
