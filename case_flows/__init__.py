"""The social-work domain: people, cases, the stage machine, the case flow and its pages."""
