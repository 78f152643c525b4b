"""Large files built as background jobs: the results files and the dossier."""
