"""A stand-in for the trained popularity model (training takes ~20 s: too slow for UI tests).

Only the model is replaced: popularity.services.popularity_predict still validates and
normalises the inputs and stores the prediction, so the page is tested against the real service.
"""


class FakePopularityModel:
    def predict_one(self, record, explain=5):
        genres = record.get("genres") or []
        actors = record.get("actors") or []
        estimate = round(5.5 + 0.4 * len(genres) + 0.1 * len(actors), 2)
        explanation = [
            {"field": "genres", "label": "Genres", "value": ", ".join(genres), "effect": 0.4 * len(genres)},
            {"field": "actors", "label": "Cast", "value": ", ".join(actors), "effect": 0.1 * len(actors),
             "items": [{"name": a, "effect": 0.1} for a in actors]},
            {"field": "runtime", "label": "Runtime", "value": f"{record.get('runtime'):.0f} min", "effect": -0.15},
        ]
        return {"prediction": estimate, "low": estimate - 0.6, "high": estimate + 0.6, "coverage": 0.8,
                "explanation": explanation[:explain]}


def install_fake_popularity_model(monkeypatch):
    from popularity import services

    monkeypatch.setattr(services.MODEL_CACHE, "get",
                        lambda *a, **k: (FakePopularityModel(), {"version": "popularity-fake", "id": None}))
