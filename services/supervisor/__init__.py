"""Running a whole deployment as one supervised process tree."""
