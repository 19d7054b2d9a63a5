"""The channels' running side: each channel's polling loop or webhook route, the terminal chat, the one web app."""
