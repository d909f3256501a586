"""Portal routes: review pages (included from config/urls.py).

The dashboard, queue and finding pages keep their routes in config/urls.py.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from compliance.portal import dashboard, finding, matches, review

urlpatterns: list[URLPattern | URLResolver] = [
    path("dashboard/runs/", dashboard.dashboard_runs, name="portal-dashboard-runs"),
    path("findings/assign/", review.queue_assign, name="portal-queue-assign"),
    path("findings/decide/", review.queue_decide, name="portal-queue-decide"),
    path("findings/<int:pk>/comments/", finding.finding_comment, name="portal-finding-comment"),
    path("findings/<int:pk>/notes/", finding.finding_note, name="portal-finding-note"),
    path("matches/", matches.match_list, name="portal-matches"),
    path("matches/<int:pk>/", matches.match_detail, name="portal-match"),
]
