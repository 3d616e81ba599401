"""Children's files (专项档案) and scheduled visits (定期走访).

One child, one file across many tickets: the survey (调查摸底) opens the files, the street
office visits on a schedule set by the child's risk, a visit may refer the child to the
departments (a ticket with channel ``visit``), and late visits are chased by the same ladder
as late assignments.
"""
