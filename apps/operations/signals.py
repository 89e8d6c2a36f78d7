"""Sign-in failures and lockouts feed the Prometheus counters (no labels: who and from where go to the audit log)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from backend import metrics


@receiver(user_login_failed, dispatch_uid="operations.signin_failure")
def count_signin_failure(sender, **kwargs) -> None:
    metrics.SIGNIN_FAILURES.inc()


@receiver(user_locked_out, dispatch_uid="operations.signin_lockout")
def count_lockout(sender, **kwargs) -> None:
    metrics.LOCKOUTS.inc()
