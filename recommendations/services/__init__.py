"""Writes of the recommendations app, one module per job: `recommender` (training on the
database), `refresh` + `realtime` (a finished film's fresh picks), `training` (the debounced
retraining), `notifications`."""
