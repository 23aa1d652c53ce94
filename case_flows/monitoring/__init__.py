"""The manager dashboard: filters, figures, history (monthly sums), drill-down, charts, export."""
