"""Voice and persona families (issue 14): lecture transcripts to clean chunks, style profiles
and persona conversations."""
