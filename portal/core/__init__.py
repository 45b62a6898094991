"""What every domain shares: the model base, errors, security headers, filters, logging."""
