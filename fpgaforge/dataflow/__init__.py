"""Dataflow scheduling: templates' cost models, tiling, DSE and estimates."""
