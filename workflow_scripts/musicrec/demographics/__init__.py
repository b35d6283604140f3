"""Artist demographics (gender, type, country) for the provider-side fairness analysis.

Three sources fill one table (``vocabulary.COLUMNS``): the demo generator's table, MusicBrainz
name search (``musicbrainz`` + ``matching``), and a user-supplied MBID-to-gender table.
"""
