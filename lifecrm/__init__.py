"""lifecrm: an analytical data warehouse for a life insurer's CRM."""
