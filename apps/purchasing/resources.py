"""The purchase-order resource for the shared record pages (list, filters, CSV) and API wiring."""

from apps.records.resources import RecordResource

from . import forms, selectors, services
from .models import PurchaseOrder

PURCHASE_ORDERS = RecordResource(
    model=PurchaseOrder,
    form_class=forms.PurchaseOrderForm,
    filterset_class=selectors.PurchaseOrderFilter,
    queryset=selectors.purchase_order_queryset,
    list=selectors.purchase_order_list,
    get_for_user=selectors.get_purchase_order_for_user,
    create=services.purchase_order_create,
    update=services.purchase_order_update,
    archive=None,  # orders are cancelled (a transition), never archived
)

CSV_COLUMNS = ["number", "status", "supplier", "plant", "carrier", "pickup_date", "terms", "total"]
