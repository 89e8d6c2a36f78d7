"""Compliance pages: /compliance/ (dashboard, mine, calendar, evidence), /compliance-items/, /compliance-tasks/."""

from django.urls import path

from . import views

urlpatterns = [
    path("compliance/", views.dashboard, name="compliance-dashboard"),
    path("compliance/mine/", views.mine, name="compliance-mine"),
    path("compliance/calendar/", views.calendar_month, name="compliance-calendar"),
    path("compliance/calendar/week/", views.calendar_week, name="compliance-calendar-week"),
    path("compliance/evidence/<int:pk>/replace/", views.evidence_replace, name="compliance-evidence-replace"),
    path("compliance/evidence/versions/<int:pk>/", views.evidence_download, name="compliance-evidence-download"),
    path("compliance-tasks/<int:pk>/transition/", views.task_transition, name="compliancetask-transition"),
    path("compliance-tasks/<int:pk>/evidence/", views.evidence_upload, name="compliancetask-evidence"),
    *views.ComplianceItemPages().urls(),
    *views.ComplianceTaskPages().urls(),
]
