"""chainrule's command line and code emission, built on derive."""
