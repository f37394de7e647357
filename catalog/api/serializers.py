from rest_framework import serializers

from catalog.models import Credit, Genre, Person, Title
from catalog.selectors import CARD_MEMO


class GenreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Genre
        fields = ["id", "name", "slug"]


class TitleListSerializer(serializers.ModelSerializer):
    """A title card. Every list of titles in the API uses it, so `card()` is its fast path: the
    same dict, read straight off the instance (tests compare both on every field type)."""

    genres = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Title
        fields = ["id", "title_type", "primary_title", "start_year", "runtime_minutes", "imdb_rating",
                  "imdb_votes", "genres", "poster_path", "imdb_id", "tmdb_id", "netflix_id", "movielens_id"]

    _rating_field = None

    @classmethod
    def card(cls, t: Title) -> dict:
        """The card of `t`. The per-process title cache (`catalog.selectors.titles_by_ids_cached`)
        hands out the same read-only instances, marked with a memo slot: their card is built
        once, and a recommendation list of cached titles costs ten dict copies. Other instances
        (which a view may change and save) are read afresh each time."""
        memo = t.__dict__.get(CARD_MEMO)
        if memo is None:
            return cls._build_card(t)
        if not memo:
            memo.append(cls._build_card(t))
        return dict(memo[0])

    @classmethod
    def _build_card(cls, t: Title) -> dict:
        if cls._rating_field is None:
            cls._rating_field = TitleListSerializer().fields["imdb_rating"]
        rating = t.imdb_rating
        return {"id": t.id, "title_type": t.title_type, "primary_title": t.primary_title, "start_year": t.start_year,
                "runtime_minutes": t.runtime_minutes,
                "imdb_rating": None if rating is None else cls._rating_field.to_representation(rating),
                "imdb_votes": t.imdb_votes, "genres": [g.name for g in t.genres.all()], "poster_path": t.poster_path,
                "imdb_id": t.imdb_id, "tmdb_id": t.tmdb_id, "netflix_id": t.netflix_id, "movielens_id": t.movielens_id}

    def to_representation(self, instance):
        if type(self) is TitleListSerializer:  # subclasses add fields: the generic path
            return self.card(instance)
        return super().to_representation(instance)


class PersonBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "imdb_id", "birth_year", "death_year"]


class CreditSerializer(serializers.ModelSerializer):
    person = PersonBriefSerializer()

    class Meta:
        model = Credit
        fields = ["person", "category", "ordering", "job", "characters"]


class TitleDetailSerializer(TitleListSerializer):
    countries = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    companies = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    keywords = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    credits = CreditSerializer(many=True)

    class Meta(TitleListSerializer.Meta):
        fields = TitleListSerializer.Meta.fields + [
            "original_title", "end_year", "is_adult", "release_date", "original_language", "overview",
            "tagline", "budget", "revenue", "tmdb_popularity", "tmdb_vote_average", "tmdb_vote_count",
            "countries", "companies", "keywords", "credits"]


class PersonCreditSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()

    class Meta:
        model = Credit
        fields = ["title", "category", "characters"]

    def get_title(self, obj) -> dict:
        t = obj.title
        return {"id": t.id, "primary_title": t.primary_title, "start_year": t.start_year, "title_type": t.title_type}


class PersonDetailSerializer(PersonBriefSerializer):
    credits = PersonCreditSerializer(many=True)

    class Meta(PersonBriefSerializer.Meta):
        fields = PersonBriefSerializer.Meta.fields + ["primary_profession", "credits"]


class AutocompleteSerializer(serializers.Serializer):
    titles = TitleListSerializer(many=True)
    people = PersonBriefSerializer(many=True)


class TitleFilterSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=Title._meta.get_field("title_type").choices, required=False)
    genre = serializers.CharField(required=False, allow_blank=True, max_length=64, help_text="Genre slug or name; "
                                  "blank: every genre.")
    decade = serializers.IntegerField(required=False, min_value=1870, max_value=2100)
    year_min = serializers.IntegerField(required=False, min_value=1870, max_value=2100)
    year_max = serializers.IntegerField(required=False, min_value=1870, max_value=2100)
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="Search; blank: no search.")
    ordering = serializers.ChoiceField(choices=["title", "-year", "year", "-rating", "-votes"], required=False,
                                       default="-votes")
