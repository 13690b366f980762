"""Who is calling and what they may do: staff tokens and login, citizens' one-time codes, scope rules."""
