"""One way to show dates and times on every page, e-mail and export (Django's own English formats
otherwise win over settings, since format localization is always on). Times are shown in the tenant's
zone (activated per request by backend.tenancy), so they carry the zone's abbreviation."""

DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
MONTH_DAY_FORMAT = "M j"
YEAR_MONTH_FORMAT = "F Y"
