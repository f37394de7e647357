from django.shortcuts import render

from catalog import selectors
from core.errors import NotFound
from django.http import Http404


def home(request):
    rows = [{"name": "Top rated", "titles": list(selectors.title_list(order="-imdb_rating")[:20])}]
    return render(request, "catalog/home.html", {"rows": rows})


def title_detail(request, title_id):
    try:
        title = selectors.title_get(title_id=title_id)
    except NotFound as exc:
        raise Http404(str(exc))
    return render(request, "catalog/title.html", {"title": title, "cast": selectors.title_cast(title=title),
                                                  "directors": selectors.title_directors(title=title)})


def person_detail(request, person_id):
    try:
        person = selectors.person_get(person_id=person_id)
    except NotFound as exc:
        raise Http404(str(exc))
    return render(request, "catalog/person.html", {"person": person})
