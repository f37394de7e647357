"""The Celery application `netfloox` (queues: default, realtime, ml)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netfloox.settings.base")

app = Celery("netfloox")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
