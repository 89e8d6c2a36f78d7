"""Demo partners and products for the seed_demo tenants (different trading books for acme and globex).

Everything is written through the services as the tenant's owner, so the demo audit log looks real.
Idempotent: records whose code already exists are left alone.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django_tenants.utils import tenant_context

from apps.accounts.models import User
from apps.products.models import Product
from apps.products.services import product_create
from backend.clock import tenant_today

from . import services
from .models import Carrier, Contact, Customer, Location, Plant, Supplier

# (code, name, city, state, terms, plants [(code, name, establishment number, city, state)], contact)
SUPPLIERS = {
    "acme": [
        (
            "HVB",
            "High Valley Beef",
            "Dakota City",
            "NE",
            21,
            [("HVB-DC", "Dakota City", "M245", "Dakota City", "NE")],
            "Rita Ortega",
        ),
        (
            "PLP",
            "Prairie Land Pork",
            "Storm Lake",
            "IA",
            14,
            [("PLP-SL", "Storm Lake", "M17564", "Storm Lake", "IA")],
            "Gus Lindqvist",
        ),
        (
            "CRP",
            "Cattle Ridge Packing",
            "Greeley",
            "CO",
            7,
            [("CRP-GR", "Greeley", "M969", "Greeley", "CO"), ("CRP-CA", "Cactus", "M9268", "Cactus", "TX")],
            "Lena Park",
        ),
        (
            "SVF",
            "Sioux Valley Foods",
            "Sioux Falls",
            "SD",
            30,
            [("SVF-SF", "Sioux Falls", "M3+P3", "Sioux Falls", "SD")],
            "Owen Brandt",
        ),
    ],
    "globex": [
        (
            "BRF",
            "Blue Ridge Farms",
            "Gainesville",
            "GA",
            14,
            [("BRF-GV", "Gainesville", "P7089", "Gainesville", "GA")],
            "Maya Jenkins",
        ),
        (
            "DLP",
            "Delmarva Poultry",
            "Salisbury",
            "MD",
            7,
            [("DLP-SB", "Salisbury", "P1192A", "Salisbury", "MD")],
            "Tom Fisher",
        ),
        (
            "HCL",
            "High Country Lamb",
            "San Angelo",
            "TX",
            30,
            [("HCL-SA", "San Angelo", "M2149", "San Angelo", "TX")],
            "Ines Duarte",
        ),
        ("NWP", "Northwest Protein", "Pasco", "WA", 21, [("NWP-PA", "Pasco", "M9400+P9400", "Pasco", "WA")], "Ken Ito"),
    ],
}
# (code, name, city, state, terms, credit limit, [(location code, name, kind, street)])
CUSTOMERS = {
    "acme": [
        (
            "MSG",
            "Main Street Grocers",
            "Chicago",
            "IL",
            30,
            "250000",
            [("MSG-DC", "Chicago DC", "ship_to", "4100 S Ashland Ave")],
        ),
        (
            "LSH",
            "Lakeshore Steakhouse Group",
            "Milwaukee",
            "WI",
            14,
            "60000",
            [
                ("LSH-1", "Downtown kitchen", "ship_to", "710 N Water St"),
                ("LSH-AP", "Accounts payable", "billing", "PO Box 2231"),
            ],
        ),
        (
            "GPD",
            "Great Plains Distributors",
            "Kansas City",
            "MO",
            45,
            "400000",
            [("GPD-KC", "KC cold store", "ship_to", "1800 Guinotte Ave")],
        ),
        (
            "TXB",
            "Tex-Border Export",
            "Laredo",
            "TX",
            60,
            "150000",
            [("TXB-LR", "Laredo cross-dock", "ship_to", "9 World Trade Bridge Rd")],
        ),
    ],
    "globex": [
        (
            "PCM",
            "Pacific Coast Markets",
            "Oakland",
            "CA",
            30,
            "300000",
            [("PCM-OAK", "Oakland DC", "ship_to", "2500 Maritime St")],
        ),
        (
            "SRF",
            "Sunrise Restaurant Foods",
            "Phoenix",
            "AZ",
            21,
            "80000",
            [("SRF-PHX", "Phoenix commissary", "ship_to", "301 W Buckeye Rd")],
        ),
        (
            "CPK",
            "Cascade Processing",
            "Portland",
            "OR",
            45,
            "120000",
            [
                ("CPK-PDX", "Portland plant", "ship_to", "5400 N Lagoon Ave"),
                ("CPK-AP", "Billing", "billing", "PO Box 901"),
            ],
        ),
        (
            "HIL",
            "Hawaii Island Logistics",
            "Honolulu",
            "HI",
            60,
            "50000",
            [("HIL-HNL", "Honolulu pier 38", "ship_to", "1129 N Nimitz Hwy")],
        ),
    ],
}
# (code, name, mc, dot, days until insurance expiry)
CARRIERS = {
    "acme": [
        ("RFX", "Reefer Express", "612345", "1987654", 240),
        ("CCT", "Cold Chain Transport", "734512", "2233445", 12),
        ("MWR", "Midwest Refrigerated", "445566", "1122334", -5),
    ],
    "globex": [
        ("PCR", "Pacific Cold Runners", "889900", "3344556", 300),
        ("DSF", "Desert Freight", "556677", "2468024", 25),
    ],
}
# (code, description, namp, protein, storage, weight type, package, case weight, edible)
PRODUCTS = {
    "acme": [
        ("112A-FR", "Beef rib, ribeye lip-on, choice", "112A", "beef", "fresh", "catch", "vacuum", "60", True),
        ("120-FR", "Beef brisket, deckle-off, boneless", "120", "beef", "fresh", "catch", "vacuum", "70", True),
        ("189A-FZ", "Beef tenderloin, full, PSMO", "189A", "beef", "frozen", "catch", "box", "55", True),
        ("BTRIM81", "Beef trimmings 81/19", "", "beef", "frozen", "net", "combo", "2000", True),
        ("406-FR", "Pork shoulder butt, bone-in", "406", "pork", "fresh", "catch", "combo", "1800", True),
        ("410-FZ", "Pork loin, bone-in", "410", "pork", "frozen", "catch", "box", "65", True),
        ("PJOWL", "Pork jowls, skin-on", "", "pork", "frozen", "net", "box", "50", True),
        ("INEDFAT", "Inedible beef fat", "", "beef", "fresh", "net", "tote", "1500", False),
    ],
    "globex": [
        ("CKBRST", "Chicken breast, boneless skinless", "", "poultry", "fresh", "net", "box", "40", True),
        ("CKLQ", "Chicken leg quarters", "", "poultry", "frozen", "net", "box", "40", True),
        ("TKBRST", "Turkey breast, bone-in", "", "poultry", "frozen", "catch", "box", "45", True),
        ("204-FZ", "Lamb rack, 8-rib, frenched", "204", "lamb", "frozen", "catch", "vacuum", "30", True),
        ("233A-FR", "Lamb leg, trotter-off", "233A", "lamb", "fresh", "catch", "vacuum", "35", True),
        ("VLOIN", "Veal loin, strip", "344", "veal", "frozen", "catch", "box", "25", True),
        ("CKPAWS", "Chicken paws, export grade A", "", "poultry", "frozen", "net", "box", "20", True),
        ("MDM", "Mechanically separated chicken", "", "poultry", "frozen", "net", "combo", "2000", True),
    ],
}


def seed_demo_partners(*, tenant, owner_email: str) -> None:
    """Fill `tenant` with its demo book (see the tables above); safe to call again."""
    book = tenant.schema_name
    if book not in SUPPLIERS:
        return
    owner = User.objects.get(email=owner_email)
    with tenant_context(tenant):
        _seed_suppliers(book, owner)
        _seed_customers(book, owner)
        _seed_carriers(book, owner)
        _seed_products(book, owner)


def _seed_suppliers(book: str, owner: User) -> None:
    for code, name, city, state, terms, plants, contact in SUPPLIERS[book]:
        supplier = Supplier.objects.filter(code=code).first() or services.supplier_create(
            user=owner,
            data={"code": code, "name": name, "city": city, "state": state, "payment_terms": terms},
        )
        for plant_code, plant_name, est, plant_city, plant_state in plants:
            if not Plant.objects.filter(code=plant_code).exists():
                services.plant_create(
                    user=owner,
                    data={
                        "supplier": supplier,
                        "code": plant_code,
                        "name": f"{name} — {plant_name}",
                        "establishment_number": est,
                        "city": plant_city,
                        "state": plant_state,
                    },
                )
        if not Contact.objects.filter(supplier=supplier, name=contact).exists():
            email = f"{contact.split()[0].lower()}@{code.lower()}.example"
            services.contact_create(
                user=owner, data={"supplier": supplier, "name": contact, "title": "Sales", "email": email}
            )


def _seed_customers(book: str, owner: User) -> None:
    for code, name, city, state, terms, limit, locations in CUSTOMERS[book]:
        customer = Customer.objects.filter(code=code).first() or services.customer_create(
            user=owner,
            data={
                "code": code,
                "name": name,
                "city": city,
                "state": state,
                "payment_terms": terms,
                "credit_limit": Decimal(limit),
            },
        )
        for loc_code, loc_name, kind, street in locations:
            if not Location.objects.filter(code=loc_code).exists():
                services.location_create(
                    user=owner,
                    data={
                        "customer": customer,
                        "code": loc_code,
                        "name": loc_name,
                        "kind": kind,
                        "street": street,
                        "city": city,
                        "state": state,
                    },
                )


def _seed_carriers(book: str, owner: User) -> None:
    today = tenant_today()
    for code, name, mc, dot, days in CARRIERS[book]:
        if not Carrier.objects.filter(code=code).exists():
            services.carrier_create(
                user=owner,
                data={
                    "code": code,
                    "name": name,
                    "mc_number": mc,
                    "dot_number": dot,
                    "insurance_expires_on": today + datetime.timedelta(days=days),
                },
            )


def _seed_products(book: str, owner: User) -> None:
    for code, description, namp, protein, storage, weight_type, package, case_weight, edible in PRODUCTS[book]:
        if not Product.objects.filter(code=code).exists():
            product_create(
                user=owner,
                data={
                    "code": code,
                    "description": description,
                    "namp_code": namp,
                    "protein": protein,
                    "storage": storage,
                    "weight_type": weight_type,
                    "package_type": package,
                    "case_weight": Decimal(case_weight),
                    "is_edible": edible,
                },
            )
