"""The investor dashboard (`backlot dashboard`): Dash pages over the published marts."""
