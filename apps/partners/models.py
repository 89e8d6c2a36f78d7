"""Trading partners of a meat broker (PRODUCT.md §5): suppliers and their plants, customers, carriers,
the people at them (contacts) and the addresses goods move between (locations)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from apps.records.models import AddressFields, CodedRecord, TrackedRecord, search_document, search_index
from backend.clock import tenant_today
from backend.fields import BlindIndexField, EncryptedEmailField, EncryptedTextField

from .validators import (
    normalize_establishment_number,
    normalize_registry_number,
    validate_dot_number,
    validate_establishment_number,
    validate_mc_number,
)

INSURANCE_WARNING_DAYS = 30


class PaymentTerms(models.IntegerChoices):
    NET_7 = 7, "Net 7"
    NET_14 = 14, "Net 14"
    NET_21 = 21, "Net 21"
    NET_30 = 30, "Net 30"
    NET_45 = 45, "Net 45"
    NET_60 = 60, "Net 60"


class PartnerBase(CodedRecord, AddressFields):
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["code"]


class Supplier(PartnerBase):
    """A packer or processor the broker buys from."""

    payment_terms = models.PositiveSmallIntegerField(choices=PaymentTerms.choices, default=PaymentTerms.NET_30)
    search_text = search_document("code", "name", "city", "email")

    class Meta(PartnerBase.Meta):
        indexes = [
            models.Index(fields=["is_archived", "code"], name="supplier_active_code_idx"),
            models.Index(fields=["is_archived", "name"], name="supplier_active_name_idx"),
            search_index("supplier"),
        ]


class Customer(PartnerBase):
    """A buyer: terms set invoice due dates, the credit limit caps open orders."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ON_HOLD = "on_hold", "On hold"

    payment_terms = models.PositiveSmallIntegerField(choices=PaymentTerms.choices, default=PaymentTerms.NET_30)
    credit_limit = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"), message="The credit limit cannot be negative.")],
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    search_text = search_document("code", "name", "city", "email")

    class Meta(PartnerBase.Meta):
        indexes = [
            models.Index(fields=["is_archived", "code"], name="customer_active_code_idx"),
            models.Index(fields=["is_archived", "name"], name="customer_active_name_idx"),
            models.Index(fields=["status"], name="customer_status_idx"),
            search_index("customer"),
        ]


class Plant(CodedRecord, AddressFields):
    """A supplier's packing plant, identified by its USDA establishment number."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="plants")
    establishment_number = models.CharField(
        "USDA establishment number", max_length=40, help_text="e.g. M12345, P7089A or M562+P562"
    )
    search_text = search_document("code", "name", "establishment_number", "city")

    class Meta:
        ordering = ["code"]
        indexes = [
            models.Index(fields=["is_archived", "code"], name="plant_active_code_idx"),
            models.Index(fields=["establishment_number"], name="plant_establishment_idx"),
            search_index("plant"),
        ]

    def clean(self) -> None:
        super().clean()
        self.establishment_number = normalize_establishment_number(self.establishment_number)
        try:
            validate_establishment_number(self.establishment_number)
        except ValidationError as exc:
            raise ValidationError({"establishment_number": exc.messages}) from exc


class Carrier(PartnerBase):
    """A trucking company; brokers must not tender loads to a carrier whose insurance has lapsed."""

    mc_number = models.CharField(
        "MC number", max_length=14, blank=True, help_text="Digits only; an MC- prefix is removed"
    )
    dot_number = models.CharField(
        "DOT number", max_length=14, blank=True, help_text="Digits only; a USDOT prefix is removed"
    )
    insurance_expires_on = models.DateField("insurance expiry", null=True, blank=True)
    search_text = search_document("code", "name", "mc_number", "dot_number", "city")

    class Meta(PartnerBase.Meta):
        indexes = [
            models.Index(fields=["is_archived", "code"], name="carrier_active_code_idx"),
            models.Index(fields=["insurance_expires_on"], name="carrier_insurance_idx"),
            search_index("carrier"),
        ]

    def clean(self) -> None:
        super().clean()
        self.mc_number = normalize_registry_number(self.mc_number, ("MC",))
        self.dot_number = normalize_registry_number(self.dot_number, ("USDOT", "DOT"))
        errors = {}
        for name, validate in (("mc_number", validate_mc_number), ("dot_number", validate_dot_number)):
            try:
                validate(getattr(self, name))
            except ValidationError as exc:
                errors[name] = exc.messages
        if errors:
            raise ValidationError(errors)

    def insurance_status(self, today: datetime.date | None = None) -> str:
        """`expired`, `expires_soon` (within 30 days), `ok` or `unknown`, by the tenant's calendar."""
        if self.insurance_expires_on is None:
            return "unknown"
        today = today or tenant_today()
        if self.insurance_expires_on < today:
            return "expired"
        if self.insurance_expires_on <= today + datetime.timedelta(days=INSURANCE_WARNING_DAYS):
            return "expires_soon"
        return "ok"

    def get_insurance_status_display(self) -> str:
        return {
            "expired": "Expired",
            "expires_soon": "Expires soon",
            "ok": "Valid",
            "unknown": "Not recorded",
        }[self.insurance_status()]


class Contact(TrackedRecord):
    """A person at exactly one supplier, customer or carrier (personal data: erasable, not exported)."""

    # Sealed per person in the audit log (apps.privacy.subjects), anonymised by erasure.
    PERSONAL_FIELDS = ("name", "title", "email", "phone")

    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts")
    carrier = models.ForeignKey(Carrier, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=200)
    title = models.CharField("job title", max_length=100, blank=True)
    # Personal data, encrypted with the tenant's data key (backend.fields); exact e-mail lookups go through
    # the blind index (`index_lookup(Contact, "email", value)`), a list search `q` that is an e-mail too.
    email = EncryptedEmailField("e-mail", blank=True, db_column="email_enc", db_default="", default="")
    email_index = BlindIndexField(source="email")
    phone = EncryptedTextField(max_length=40, blank=True, db_column="phone_enc", db_default="", default="")
    # Expand/contract: the clear columns the previous release reads and writes. This release reads them
    # only for rows that have no encrypted value yet and blanks them on save; the post-deploy backfill
    # (partners 0002) encrypts and blanks the rest; a later release drops them.
    legacy_email = models.EmailField(blank=True, db_column="email", editable=False)
    legacy_phone = models.CharField(max_length=40, blank=True, db_column="phone", editable=False)
    search_text = search_document("name", "title", "legacy_email", "legacy_phone")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(supplier__isnull=False, customer__isnull=True, carrier__isnull=True)
                    | Q(supplier__isnull=True, customer__isnull=False, carrier__isnull=True)
                    | Q(supplier__isnull=True, customer__isnull=True, carrier__isnull=False)
                ),
                name="contact_exactly_one_partner",
                violation_error_message="A contact belongs to exactly one supplier, customer or carrier.",
            )
        ]
        indexes = [
            models.Index(fields=["is_archived", "name"], name="contact_active_name_idx"),
            models.Index(fields=["email_index"], name="contact_email_index_idx"),
            search_index("contact"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def from_db(cls, db, field_names, values):
        contact = super().from_db(db, field_names, values)
        # A row the previous release wrote (or not yet backfilled) has its values only in the clear columns.
        if not contact.__dict__.get("email") and contact.__dict__.get("legacy_email"):
            contact.email = contact.legacy_email
        if not contact.__dict__.get("phone") and contact.__dict__.get("legacy_phone"):
            contact.phone = contact.legacy_phone
        return contact

    def save(self, *args, **kwargs) -> None:
        self.legacy_email = self.legacy_phone = ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"email", "phone"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "email_index", "legacy_email", "legacy_phone"}
        super().save(*args, **kwargs)

    @property
    def partner(self):
        return self.supplier or self.customer or self.carrier


class Location(CodedRecord, AddressFields):
    """A pickup, ship-to or billing address of exactly one customer or supplier."""

    class Kind(models.TextChoices):
        PICKUP = "pickup", "Pickup"
        SHIP_TO = "ship_to", "Ship-to"
        BILLING = "billing", "Billing"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="locations")
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="locations")
    receiving_hours = models.CharField(max_length=100, blank=True)
    search_text = search_document("code", "name", "street", "city", "postal_code")

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False, supplier__isnull=True)
                | Q(customer__isnull=True, supplier__isnull=False),
                name="location_exactly_one_partner",
                violation_error_message="A location belongs to exactly one customer or supplier.",
            )
        ]
        indexes = [
            models.Index(fields=["is_archived", "code"], name="location_active_code_idx"),
            models.Index(fields=["kind"], name="location_kind_idx"),
            search_index("location"),
        ]

    @property
    def partner(self):
        return self.customer or self.supplier
