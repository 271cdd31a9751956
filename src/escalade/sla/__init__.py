"""Service levels: business calendars, SLA policies, the clock read from ticket events, the sweep."""
