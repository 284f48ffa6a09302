"""Plain data and pure rules of the call-centre business. Imports nothing else of ours."""
