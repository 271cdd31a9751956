"""Date and time formats per language (Django's FORMAT_MODULE_PATH).

English readers are in the United Kingdom as often as anywhere: Django's English formats are the
United States' (12/06/2026 is June the 12th to a British client). Escalade writes dates the way no one
misreads: day, abbreviated month, year, and a 24-hour clock.
"""
