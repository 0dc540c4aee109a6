"""Documents that leave the clinic: the course report and the prior-authorization packet."""
