"""What people read off the views: reports, conformance, what-if, the development
record's form, and the file formats they are exported in."""
