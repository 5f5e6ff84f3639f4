"""API throttling on the shared rate-limit counters (``serverless.ratelimit``).

DRF's own throttles keep their history in the cache with a read-then-write,
so on Lambda each environment would count alone. This one counts in the
database, atomically: anonymous clients per address (``API_THROTTLE_ANON_RATE``),
signed-in users and token holders per user (``API_THROTTLE_USER_RATE``).
Beyond the rate DRF answers 429 with ``Retry-After``; the limit headers are
added to every API response by ``serverless.ratelimit.RateLimitHeadersMiddleware``.
"""

from django.conf import settings
from rest_framework.throttling import BaseThrottle
from serverless import ratelimit


class SharedRateThrottle(BaseThrottle):
    scope = "api"

    def allow_request(self, request, view) -> bool:
        user = request.user
        rate = settings.API_THROTTLE_USER_RATE if user and user.is_authenticated else settings.API_THROTTLE_ANON_RATE
        self.usage = ratelimit.hit(self.scope, ratelimit.client_identity(request), ratelimit.Rate.parse(rate))
        # The Django request, which the headers middleware sees.
        request._request.rate_limit = self.usage
        return not self.usage.exceeded

    def wait(self) -> float:
        return self.usage.retry_after
