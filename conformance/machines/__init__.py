"""Model-based testing: Hypothesis state machines that compare a target with a reference model.

model.py holds the reference model as data (which answer each action gets in each user state,
by fact id); lifecycle.py drives random sequences against the target and judges every answer;
reproduce.py turns the shrunk failing sequence into a runnable Python snippet.
"""
