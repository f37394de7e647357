"""A small, real-looking catalog for the web and browser tests (and for screenshots).

`build_catalog(n)` creates the famous titles below (with their genres, directors and leads),
then generated filler titles up to `n`, in bulk (a 500-title catalog takes well under a second).
"""
import random

from catalog.models import Credit, Genre, Person, Title
from catalog.text import normalize

GENRES = ["Action", "Adventure", "Animation", "Comedy", "Crime", "Drama", "Fantasy", "Horror", "Romance",
          "Sci-Fi", "Thriller", "Documentary"]

# (title, year, runtime, rating, votes, genres, director, cast, overview)
FAMOUS = [
    ("Inception", 2010, 148, 8.8, 2_500_000, ["Action", "Sci-Fi", "Thriller"], "Christopher Nolan",
     ["Leonardo DiCaprio", "Joseph Gordon-Levitt", "Elliot Page"],
     "A thief who steals corporate secrets through dream-sharing technology is given the inverse task of "
     "planting an idea into the mind of a C.E.O."),
    ("Interstellar", 2014, 169, 8.7, 2_100_000, ["Adventure", "Drama", "Sci-Fi"], "Christopher Nolan",
     ["Matthew McConaughey", "Anne Hathaway", "Jessica Chastain"],
     "When Earth becomes uninhabitable, a farmer and ex-NASA pilot leads a mission through a wormhole to "
     "find a new home for humanity."),
    ("The Dark Knight", 2008, 152, 9.0, 2_800_000, ["Action", "Crime", "Drama"], "Christopher Nolan",
     ["Christian Bale", "Heath Ledger", "Aaron Eckhart"],
     "Batman faces the Joker, a criminal mastermind who wants to plunge Gotham City into anarchy."),
    ("Memento", 2000, 113, 8.4, 1_300_000, ["Thriller", "Drama"], "Christopher Nolan",
     ["Guy Pearce", "Carrie-Anne Moss"],
     "A man with short-term memory loss uses notes and tattoos to hunt for his wife's murderer."),
    ("Amélie", 2001, 122, 8.3, 780_000, ["Comedy", "Romance"], "Jean-Pierre Jeunet",
     ["Audrey Tautou", "Mathieu Kassovitz"],
     "In Montmartre, shy waitress Amélie Poulain decides to change the lives of those around her for the "
     "better, while struggling with her own isolation."),
    ("Delicatessen", 1991, 99, 7.6, 80_000, ["Comedy", "Crime"], "Jean-Pierre Jeunet",
     ["Dominique Pinon", "Marie-Laure Dougnac"],
     "In a post-apocalyptic France, the tenants of an apartment building above a butcher's shop live on a "
     "peculiar diet."),
    ("The Matrix", 1999, 136, 8.7, 2_000_000, ["Action", "Sci-Fi"], "Lana Wachowski",
     ["Keanu Reeves", "Laurence Fishburne", "Carrie-Anne Moss"],
     "A computer hacker learns that the world he lives in is a simulation and joins a rebellion against "
     "its machine rulers."),
    ("Blade Runner 2049", 2017, 164, 8.0, 650_000, ["Action", "Drama", "Sci-Fi"], "Denis Villeneuve",
     ["Ryan Gosling", "Harrison Ford"],
     "A young blade runner's discovery of a long-buried secret leads him to track down former blade runner "
     "Rick Deckard."),
    ("Arrival", 2016, 116, 7.9, 760_000, ["Drama", "Sci-Fi"], "Denis Villeneuve",
     ["Amy Adams", "Jeremy Renner"],
     "A linguist works with the military to communicate with alien lifeforms after twelve mysterious "
     "spacecraft appear around the world."),
    ("Dune", 2021, 155, 8.0, 900_000, ["Action", "Adventure", "Drama"], "Denis Villeneuve",
     ["Timothée Chalamet", "Rebecca Ferguson", "Zendaya"],
     "A noble family becomes embroiled in a war for control over the galaxy's most valuable asset."),
    ("Spirited Away", 2001, 125, 8.6, 850_000, ["Animation", "Adventure", "Fantasy"], "Hayao Miyazaki",
     ["Rumi Hiiragi", "Miyu Irino"],
     "During her family's move to the suburbs, a sullen ten-year-old girl wanders into a world ruled by "
     "gods, witches and spirits."),
    ("My Neighbor Totoro", 1988, 86, 8.1, 380_000, ["Animation", "Fantasy"], "Hayao Miyazaki",
     ["Noriko Hidaka", "Chika Sakamoto"],
     "Two girls move to the country to be near their ailing mother and have adventures with the "
     "wondrous forest spirits who live nearby."),
    ("Parasite", 2019, 132, 8.5, 950_000, ["Comedy", "Drama", "Thriller"], "Bong Joon Ho",
     ["Song Kang-ho", "Lee Sun-kyun", "Cho Yeo-jeong"],
     "Greed and class discrimination threaten the newly formed symbiotic relationship between the wealthy "
     "Park family and the destitute Kim clan."),
    ("Pulp Fiction", 1994, 154, 8.9, 2_200_000, ["Crime", "Drama"], "Quentin Tarantino",
     ["John Travolta", "Uma Thurman", "Samuel L. Jackson"],
     "The lives of two mob hitmen, a boxer, a gangster and his wife intertwine in four tales of violence "
     "and redemption."),
    ("Le Dîner de cons", 1998, 80, 7.7, 45_000, ["Comedy"], "Francis Veber",
     ["Thierry Lhermitte", "Jacques Villeret"],
     "Every week, a group of Parisian friends holds a dinner to which each must bring an idiot; this week, "
     "François Pignon is the guest."),
    ("The Grand Budapest Hotel", 2014, 99, 8.1, 880_000, ["Adventure", "Comedy", "Crime"], "Wes Anderson",
     ["Ralph Fiennes", "Tony Revolori"],
     "A writer encounters the owner of an aging high-class hotel, who tells him of his early years as a "
     "lobby boy in the hotel's glorious years."),
    ("La La Land", 2016, 128, 8.0, 650_000, ["Comedy", "Drama", "Romance"], "Damien Chazelle",
     ["Ryan Gosling", "Emma Stone"],
     "While navigating their careers in Los Angeles, a pianist and an actress fall in love while "
     "attempting to reconcile their aspirations."),
    ("Whiplash", 2014, 106, 8.5, 950_000, ["Drama"], "Damien Chazelle",
     ["Miles Teller", "J.K. Simmons"],
     "A promising young drummer enrolls at a cut-throat music conservatory where his dreams of greatness "
     "are mentored by a ruthless instructor."),
    ("Get Out", 2017, 104, 7.8, 700_000, ["Horror", "Thriller"], "Jordan Peele",
     ["Daniel Kaluuya", "Allison Williams"],
     "A young African-American visits his white girlfriend's parents for the weekend, where his "
     "uneasiness about their reception eventually reaches a boiling point."),
    ("Intouchables", 2011, 112, 8.5, 900_000, ["Comedy", "Drama"], "Olivier Nakache",
     ["François Cluzet", "Omar Sy"],
     "After he becomes a quadriplegic from a paragliding accident, an aristocrat hires a young man from "
     "the projects to be his caregiver."),
    ("Mad Max: Fury Road", 2015, 120, 8.1, 1_100_000, ["Action", "Adventure", "Sci-Fi"], "George Miller",
     ["Tom Hardy", "Charlize Theron"],
     "In a post-apocalyptic wasteland, a woman rebels against a tyrannical ruler in search of her homeland "
     "with the aid of a group of female prisoners and a drifter."),
    ("Free Solo", 2018, 100, 8.1, 80_000, ["Documentary", "Adventure"], "Elizabeth Chai Vasarhelyi",
     ["Alex Honnold"],
     "Alex Honnold attempts to become the first person to ever free solo climb El Capitan."),
]

WORDS = ["Silent", "Crimson", "Last", "Hidden", "Northern", "Broken", "Golden", "Midnight", "Electric", "Paper",
         "River", "Empire", "Garden", "Signal", "Winter", "Harbor", "Echo", "Velvet", "Iron", "Glass", "Storm",
         "Orchid", "Atlas", "Lantern", "Shadow", "Summer", "Ember", "Horizon", "Citadel", "Mirror"]
NOUNS = ["City", "Promise", "Line", "Kingdom", "Road", "Letters", "Station", "Witness", "Island", "Frontier",
         "Machine", "Harvest", "Heist", "Song", "Tide", "Protocol", "Affair", "Season", "Code", "Hours"]


def build_catalog(n_titles=None, *, seed=7):
    """Create genres, the famous titles with credits, then filler titles up to n_titles."""
    n_titles = len(FAMOUS) if n_titles is None else n_titles
    rng = random.Random(seed)
    genres = {}
    for name in GENRES:  # reuse genres another generator (seed_demo) created
        slug = normalize(name).replace(" ", "-")
        genres[name] = (Genre.objects.filter(name=name).first() or Genre.objects.filter(slug=slug).first()
                        or Genre.objects.create(name=name, slug=slug))
    people = {}

    def person(name):
        if name not in people:
            people[name] = Person.objects.create(name=name)
        return people[name]

    titles = []
    for (name, year, runtime, rating, votes, gnames, director, cast, overview) in FAMOUS[:n_titles]:
        t = Title.objects.create(primary_title=name, original_title=name, start_year=year, runtime_minutes=runtime,
                                 imdb_rating=rating, imdb_votes=votes, overview=overview, original_language="en")
        t.genres.set([genres[g] for g in gnames])
        Credit.objects.create(title=t, person=person(director), category="director", ordering=0)
        for i, actor in enumerate(cast):
            Credit.objects.create(title=t, person=person(actor), category="actor", ordering=i + 1,
                                  characters=[])
        titles.append(t)

    extra = max(0, n_titles - len(titles))
    if extra:
        fillers = []
        for i in range(extra):
            name = f"{rng.choice(WORDS)} {rng.choice(NOUNS)} {i + 1}"
            fillers.append(Title(primary_title=name, search_title=normalize(name), start_year=rng.randint(1970, 2024),
                                 runtime_minutes=rng.randint(80, 160), imdb_rating=round(rng.uniform(4.5, 8.6), 1),
                                 imdb_votes=rng.randint(50, 40_000), overview="A generated title for tests."))
        Title.objects.bulk_create(fillers, batch_size=500)
        created = list(Title.objects.filter(search_title__in=[f.search_title for f in fillers]))
        through = Title.genres.through
        glist = list(genres.values())
        through.objects.bulk_create(
            [through(title_id=t.id, genre_id=g.id) for t in created for g in rng.sample(glist, 2)], batch_size=1000)
        titles += created
    return titles
