"""API throttling on the shared rate-limit counters (``serverless.ratelimit``).

DRF's own throttles keep their history in the cache with a read-then-write,
so on Lambda each environment would count alone. This one counts in the
database, atomically: anonymous clients per address (``API_THROTTLE_ANON_RATE``),
signed-in users and token holders per user (``API_THROTTLE_USER_RATE``).
Beyond the rate DRF answers 429 with ``Retry-After``; the limit headers are
added to every API response by ``serverless.ratelimit.RateLimitHeadersMiddleware``.

A conditional request (``If-None-Match``, ``If-Modified-Since``) to a view
that answers them (``answers_conditional_requests``, API v1) is not counted
here: whether it ends in 304 is known only once the body is made. The view
counts it then (``count``) unless it is a 304, so revalidating costs a client
nothing of its rate, and any other answer counts as usual.
"""

from django.conf import settings
from rest_framework.throttling import BaseThrottle
from serverless import ratelimit

from api.v1 import conditional


class SharedRateThrottle(BaseThrottle):
    scope = "api"

    def allow_request(self, request, view) -> bool:
        if getattr(view, "answers_conditional_requests", False) and conditional.is_conditional(request):
            request._request.deferred_throttle = self
            return True
        return self.count(request)

    def count(self, request) -> bool:
        """Count one hit of this request's client; whether it is within the rate."""
        user = request.user
        rate = settings.API_THROTTLE_USER_RATE if user and user.is_authenticated else settings.API_THROTTLE_ANON_RATE
        self.usage = ratelimit.hit(self.scope, ratelimit.client_identity(request), ratelimit.Rate.parse(rate))
        # The Django request, which the headers middleware sees.
        request._request.rate_limit = self.usage
        return not self.usage.exceeded

    def wait(self) -> float:
        return self.usage.retry_after
