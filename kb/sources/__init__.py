"""Curated catalogue of the public websites Casebook crawls for case material."""
