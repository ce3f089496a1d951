"""kaflow's web front end: the JSON API and the pages, over the same application as the
CLI (``kaflow serve``)."""
