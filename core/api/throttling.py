"""Rate limits that cost one cache round trip per request.

DRF's stock throttles keep, per client, the list of every request time in the window and
read + rewrite it (pickled) on each request: two round trips, and for a busy client (a partner
posting events at 6,000/minute) a 6,000-float list each time. These count requests in fixed
windows with an atomic increment instead (`incr`, plus `add` when a window starts). The price
of the fixed window: a client may send up to twice its rate across a window boundary.
"""
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class FixedWindowMixin:
    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.window_end = (window + 1) * self.duration
        key = f"{self.key}:w{window}"
        try:
            count = self.cache.incr(key)
        except ValueError:  # first request of the window (or the key just expired)
            if self.cache.add(key, 1, self.duration + 1):
                count = 1
            else:  # another request created it in between
                count = self.cache.incr(key)
        if count is None:  # cache unavailable (errors ignored): do not lock clients out
            return True
        if count > self.num_requests:
            self.now = now
            return False
        return True

    def wait(self):
        return max(0.0, self.window_end - self.now)


class WindowAnonRateThrottle(FixedWindowMixin, AnonRateThrottle):
    pass


class WindowUserRateThrottle(FixedWindowMixin, UserRateThrottle):
    pass
