"""The sales-order resource for the shared record pages (list, filters, CSV) and API wiring."""

from apps.records.resources import RecordResource

from . import forms, selectors, services
from .models import SalesOrder

SALES_ORDERS = RecordResource(
    model=SalesOrder,
    form_class=forms.SalesOrderForm,
    filterset_class=selectors.SalesOrderFilter,
    queryset=selectors.sales_order_queryset,
    list=selectors.sales_order_list,
    get_for_user=selectors.get_sales_order_for_user,
    create=services.sales_order_create,
    update=services.sales_order_update,
    archive=None,  # orders are cancelled (a transition), never archived
)

CSV_COLUMNS = ["number", "status", "customer", "ship_to", "delivery_date", "total", "margin"]
