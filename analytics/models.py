"""The analytics app's one table: closed days of the event log, rolled up."""
from django.db import models


class ViewingDay(models.Model):
    """One closed day of the event log: events per kind and distinct viewers.

    The event log only grows at the present (`server_ts` is the server's clock when an event is
    stored), so a day that has ended never changes. `analytics.services.viewing_days_rollup`
    (hourly, by beat) stores each closed day once; "events per day" and "active viewers per day"
    read these rows instead of scanning that day's events, and scan the days that have none.
    Deleting a viewer keeps the counts of the days already rolled up (they hold no personal data).
    """

    day = models.DateField(primary_key=True, help_text="In the site's time zone (TIME_ZONE)")
    events = models.JSONField(default=dict, help_text="{event kind: events}")
    viewers = models.PositiveIntegerField(default=0, help_text="Distinct viewers with an event that day")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["day"]

    def __str__(self):
        return f"{self.day}: {sum(self.events.values())} events, {self.viewers} viewers"
