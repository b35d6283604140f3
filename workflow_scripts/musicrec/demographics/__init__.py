"""Artist demographics (gender, type, country) for the provider-side fairness analysis.

Four sources fill one table (``vocabulary.COLUMNS``): the demo generator's table, MusicBrainz
name search (``musicbrainz`` + ``matching``), and two offline ones: a user-supplied name-to-MBID
plus MBID-to-gender table, or a user-supplied name-to-gender table.
"""
