"""The workspace shell and design system: grouped navigation, the menu page, global search and the `ui`
template tags (money, numbers, status badges, brand colours). See docs/design-system.md."""
