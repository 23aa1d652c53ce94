"""Households: members with history, their monthly incomes, and the income criterion."""
