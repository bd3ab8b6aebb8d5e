"""Reports: figures over the escalations (per buurt, rule, policy, week, month), never a list of subjects."""
